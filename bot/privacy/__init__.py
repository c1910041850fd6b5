"""Personal data: what is masked before anything is stored or logged (phone numbers, e-mail addresses, social
security numbers, IBANs, bank card numbers), in Rasa's tracker store and in every process's logs."""
