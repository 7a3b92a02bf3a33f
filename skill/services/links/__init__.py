"""Payment links: sending them, the pay page behind them, and their limits."""
