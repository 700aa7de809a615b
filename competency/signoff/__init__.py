"""Sign-off requests, sign-offs and their revocation, and the rules that govern them."""
