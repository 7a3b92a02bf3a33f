"""The biller API's decisions: invoices, payments, keys, webhooks, idempotency and events."""
