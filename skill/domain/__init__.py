"""Pure domain rules: money, invoice states, errors. No I/O lives here."""
