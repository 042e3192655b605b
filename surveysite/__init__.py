"""surveysite: a static literature-survey website generator."""
