"""The workspace: where its files live and how they are read (:mod:`files`), and the two
commands that create them, ``init`` (:mod:`init`) and ``advisory new`` (:mod:`new`)."""
