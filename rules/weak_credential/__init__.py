"""Basic-auth passwords that flAPI stores or checks in a weak or broken way."""
