"""Volunteers (志愿服务): volunteer profiles of residents, teams, activities with
signups and check-ins, service hours, leaderboards and statistics."""
