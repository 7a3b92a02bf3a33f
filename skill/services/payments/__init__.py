"""Payments: charging stored methods, settling what the provider reports, wallets and link payments."""
