"""Background work (generations, voice matching): job kinds declared by their domains, run by a runner.

The default runner is a thread inside the app process; job functions know nothing of what runs them, so the
scale-out work can hand the same functions to separate workers.
"""
