"""Customer-service questions about a bill: whom to talk to, reminders, overpayments, disputes and payment plans."""
