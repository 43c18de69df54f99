"""Demo data: the people, merchants, orders, refund requests and payouts that
``manage.py seed_demo`` loads, and the figures the tests and the benchmarks
build their own data from.

This package sits above every app: it writes through their services and
models, and no app imports it. Read it in the order the data is made:

- ``draws``: the seeded random generators every choice comes from;
- ``people``: one user per role, the admin, and 200 customers;
- ``merchants``: thirty kitchens and their menus;
- ``orders``: months of orders with their delivery timelines, and the demo
  customer's hand-made ones;
- ``payouts``: which tenders the sandbox gateways fail or decline, and paying
  what an approval created;
- ``refunds``: requests filed, decided and rated on those orders;
- ``seed``: the entry point, ``seed_demo`` then ``seed_refunds``.

Nothing is imported here: Django imports this package while it loads the
apps, before any model may be.
"""
