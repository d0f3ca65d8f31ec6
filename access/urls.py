"""Network pages of the access app, mounted under /r/<network>/."""

urlpatterns = []
