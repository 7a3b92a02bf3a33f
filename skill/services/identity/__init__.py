"""Identity: customers and their records, sign-in, account linking, OAuth, PINs and passwords."""
