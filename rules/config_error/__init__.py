"""Files mcplint (and flAPI) cannot read as intended."""
