"""Ledgers (台账): the household registry imported from spreadsheets, lists exported as spreadsheets.

- columns.py   the registry's columns: Chinese headers and stable English keys
- reading.py   streaming row readers for .xlsx and .csv (UTF-8, UTF-8 with BOM, GB18030)
- values.py    one cell's text as a person typed it: full-width digits, blanks, Excel dates
- rows.py      one row parsed and checked with registerResident's rules
- importer.py  an import run: check every row, then write (or not), audited
- report.py    the validation report (.xlsx)
- exports.py   streaming .xlsx/.csv writers and the export definitions of core's lists
- jobs.py      imports run as server-side jobs (core_import_job), for the GraphQL API
- schema.py    importResidents, ImportJob, importJobUpdated
- routes.py    the HTTP routes: template, reports, exports
"""
