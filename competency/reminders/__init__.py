"""What is due, the e-mail outbox and in-app notifications."""
