"""The webhook relay as a Celery task (queue ``webhooks``), nudged after each event and run on the
beat schedule, so nothing is left behind when a nudge is lost."""

from celery import shared_task

from integrations import services


@shared_task
def relay_webhooks() -> int:
    services.recover_stuck()
    return services.relay_due()


@shared_task
def run_epcis_subscriptions() -> int:
    """EPCIS query subscriptions that are due write their reports (deliveries)."""
    from integrations import epcis_subscriptions

    return epcis_subscriptions.run()


@shared_task
def read_supplier_document(document_id: int) -> str:
    from integrations import supplier_docs

    return supplier_docs.process(document_id).status


@shared_task
def resend_pending_documents() -> int:
    from integrations import supplier_docs

    return supplier_docs.resend_pending()
