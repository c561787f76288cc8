"""GraphQL over HTTP and WebSocket (Ariadne), built from the generated schema.

``schema`` binds root fields to handlers, ``cache`` keeps parsed and
validated documents, ``transport`` adapts Ariadne's HTTP and WebSocket
handlers to the server's error envelope and to both subscription protocols,
``playground`` serves the offline GraphiQL page.
"""
