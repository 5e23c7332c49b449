"""Civility selections (精神文明评选): star-rated households (星级文明户), most
beautiful families (最美家庭) and model people (先进人物) — campaigns with
nominations, weighted scoring, residents' votes, a public-notice period for
objections (公示) and published honours."""
