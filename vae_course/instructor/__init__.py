"""The instructor toolkit: the ``vae-course`` command (list, validate, assign, key, export, grade).

The command line lives in :mod:`.cli`; each job has its own module, named for it:
:mod:`.select` (picking questions), :mod:`.shuffle` (per-student orders from a secret),
:mod:`.lint` (what the LMSes need), :mod:`.assign` (student versions and the key file),
:mod:`.student` and :mod:`.student_html` (answer-free student views), :mod:`.key` (answer keys),
:mod:`.export_qti`, :mod:`.export_moodle`, :mod:`.export_gift` (LMS formats),
:mod:`.handins` and :mod:`.grade` (reading hand-ins and grading them).
"""
