"""Use cases: one function each, one transaction each, the audit entry in the same transaction.

Services take plain values and return plain views (`hwctl.services.views`), never ORM rows.
They never print or prompt.
"""
