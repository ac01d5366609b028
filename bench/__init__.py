"""``make bench``: the portal's speed, measured on seeded district- and city-scale data as ratios
against the database's own cost and the framework's own cost, in the same run (docs/performance.md)."""
