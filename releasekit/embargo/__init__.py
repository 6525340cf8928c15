"""The embargo: held fixes made public at the embargo instant, and the mail around it.

Commands: :mod:`.status`, :mod:`.announce` (the public pre-announcement), :mod:`.notify` (the
predisclosure to distributors) and :mod:`.lift`. What they share: :mod:`.context` (the
outside world), :mod:`.batch` (which advisories go together), :mod:`.gates` (the readiness
checklist), :mod:`.texts` (the messages' texts) and :mod:`.sending` (each message sent once
to each address). The lift's own parts: :mod:`.run`, :mod:`.prepare`, :mod:`.push` and
:mod:`.steps`.
"""
