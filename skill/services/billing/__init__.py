"""Billing: invoices and their ledger, bills as the customer sees them, payment history."""
