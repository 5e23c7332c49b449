"""The rules of dispute mediation: plain values and a viewer in, UserFailure out.

cases (reporting, assigning, sessions, follow-ups), lifecycle (the one state machine),
numbering (case numbers), stats (figures over visible cases), areas (area ids as the plugin reads them).
"""
