from core.models import AuditLog


def record(*, network, actor, action: str, target, data: dict | None = None) -> AuditLog:
    """Append an audit row; call inside the service's transaction."""
    actor_id = actor.pk if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        network=network,
        actor_id=actor_id,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        data=data or {},
    )
