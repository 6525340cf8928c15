"""E-mail: the PGP/MIME messages (:mod:`.mime`) and the SMTP conversation (:mod:`.smtp`)."""
