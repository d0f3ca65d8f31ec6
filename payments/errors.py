class PaymentsError(Exception):
    """A refused payments action; `code` for tests and logs, the message for people."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message
