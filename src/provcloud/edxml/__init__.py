"""edXML (QCVN 102:2016) for the document axis: the model, its XML, and its signature."""
