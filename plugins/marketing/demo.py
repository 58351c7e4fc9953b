def seed(session):
    pass
