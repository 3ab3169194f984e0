"""Sign-up pages (Invoiced's SignUpPage): public pages where a new or known customer subscribes to a plan."""
