"""A tests-only app whose models refer to uploads in every way Django relates models: a
one-to-one, a foreign key, a many-to-many and a foreign key subclass."""
