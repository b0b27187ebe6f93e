"""Jobs the platform ships to run on AWS as they are: `score.py` (batch scoring on EMR Serverless) and the
prediction record schema it writes (`prediction_record.py`, shipped beside it)."""
