"""The exchange of the document axis: the outbound queue, receipt, routing, the HTTP service (issue 12, parts 3-4)."""
