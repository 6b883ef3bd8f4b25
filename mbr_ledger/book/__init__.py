"""The orchestration layer just under the commands: it opens a book, imports files into its
ledger, loads a person-year's frames from the ledger and hands them to the rules and forms.

Rules and forms never see the store; the commands never see a frame they did not ask for.
"""
