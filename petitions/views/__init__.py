"""HTML views of petitions, one module per area: intake and public pages, the staff queue and
detail, the monthly zero-backlog board."""
