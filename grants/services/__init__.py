"""The only writers of grants rows. One module per area; everything re-exported here."""

from grants.services.consultations import consultation_close, consultation_open, vote_record
from grants.services.costshare import (
    costshare_compute,
    floor_coefficients_set,
    opt_out_join,
    unit_cost_role_set,
    volunteer_payment_record,
)
from grants.services.documents import document_upload
from grants.services.projects import (
    objection_record,
    objection_resolve,
    other_grant_add,
    project_changes_problems,
    project_create,
    project_lead_residents_set,
    project_transition,
    project_update,
)
from grants.services.units import (
    household_create,
    household_end,
    household_update,
    occupant_add,
    occupant_remove,
    owner_change,
    person_register,
    sensitive_consent_record,
    sensitive_consent_withdraw,
    sensitive_data_write,
    unit_create,
    unit_update,
)

__all__ = [
    "consultation_close",
    "consultation_open",
    "costshare_compute",
    "document_upload",
    "floor_coefficients_set",
    "household_create",
    "household_end",
    "household_update",
    "objection_record",
    "objection_resolve",
    "occupant_add",
    "occupant_remove",
    "opt_out_join",
    "other_grant_add",
    "owner_change",
    "person_register",
    "project_changes_problems",
    "project_create",
    "project_lead_residents_set",
    "project_transition",
    "project_update",
    "sensitive_consent_record",
    "sensitive_consent_withdraw",
    "sensitive_data_write",
    "unit_cost_role_set",
    "unit_create",
    "unit_update",
    "volunteer_payment_record",
    "vote_record",
]
