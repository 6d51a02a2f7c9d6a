namespace DafL.Training.Diagnostics;

/// <summary>
/// One DAFL iteration run by two distillers from the same state and the same latent batch: their losses side by
/// side, the largest relative difference among the five, and each side's wall time for the step.
/// </summary>
/// <param name="Note">Why the candidate's step failed to run; empty when it ran.</param>
public sealed record StepComparisonRow(int Step, StepLosses Reference, StepLosses Candidate, double RelativeDifference,
    double Tolerance, bool Pass, double ReferenceMs, double CandidateMs, string Note = "");
