"""dossier: a case dossier manager."""
