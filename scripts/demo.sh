echo demo pending
