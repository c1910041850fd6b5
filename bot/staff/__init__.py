"""What the staff console does, apart from its pages (bot/web/console/): accounts and sign-in, the mediators'
agenda, activity figures, the inbox of misunderstood messages (inbox/), the edits of answers and knowledge
(content/), and retraining; `files` writes the project's files for the last three, `models` holds the tables."""
