"""The instructor tool of vae-course: the ``vae-course`` command (a separate distribution,
``vae-course-instructor``, so the learner's install carries neither the tool nor its
assessment bank; it never imports a widget library).

The command line lives in :mod:`.cli` (parser, entry point) and :mod:`.commands` (what each
command does); each job has its own module, named for it:
:mod:`.banks` (reading bank files safely, the assessment bank), :mod:`.select` (picking
questions), :mod:`.formula` and :mod:`.calculated` (per-student calculated questions),
:mod:`.seeds` (per-student orders, values and identity tokens from a secret), :mod:`.lint`
(what the LMSes need), :mod:`.assign` (student versions and the key file), :mod:`.notebook`
and :mod:`.student_html` (answer-free handouts; the student's side of a notebook is
:mod:`vae_course.quiz.handout_widget`), :mod:`.key` (answer keys), :mod:`.export_qti`,
:mod:`.export_moodle`, :mod:`.export_gift` (LMS formats), :mod:`.folders`, :mod:`.handins` and
:mod:`.grade` (what is in a hand-in folder, reading hand-ins, grading them), :mod:`.text`
(safe CSV cells and terminal output).
"""
