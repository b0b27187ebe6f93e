"""Jobs the platform ships to run on AWS as they are: `score.py` (batch scoring on EMR Serverless), with the
plain-Python modules it imports shipped beside it (`shipped.py`)."""
