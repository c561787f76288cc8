"""The catalog: publishing designs and filters, listing what is published, and sharing content.

One mechanism serves every kind of content (``kinds``: designs as upstream's ``pattern``,
filters as ``filter``); ``local`` answers from this server's store, ``remote`` forwards to a
remote provider that offers the catalog capabilities, and ``service`` picks one per request.
"""
