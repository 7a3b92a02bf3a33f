"""Demo data, the demo card and `billpay demo run`."""
