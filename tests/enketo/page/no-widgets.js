// enketo-core without its widget set: plain inputs are all a machine-driven test needs.
export default [];
