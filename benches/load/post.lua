-- wrk script: every request is a POST with an empty body.
wrk.method = "POST"
