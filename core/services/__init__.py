"""Business services: functions taking a SQLAlchemy ``Session`` and plain values."""
