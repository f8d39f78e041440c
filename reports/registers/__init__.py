"""Every register, one module per area; importing this package registers them all."""

from reports.registers import audit, charity, documents, donors, grants, ledger

__all__ = ["audit", "charity", "documents", "donors", "grants", "ledger"]
