"""Government-report outputs of SIKK: the performance table (IKU) and submission exports (XLSX/CSV)."""
