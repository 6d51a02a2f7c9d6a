namespace DafL.Reports;

/// <summary>The loss terms a report plots, by the keys of dafl's metrics log, with the names the report shows.</summary>
public static class LossTerms
{
    public const string OneHot = "one_hot", InformationEntropy = "info_entropy", Activation = "activation", Kd = "kd",
        Total = "total", CrossEntropy = "ce";

    /// <summary>Each plotted term with its title, in the order DAFL's objective adds them.</summary>
    public static readonly IReadOnlyList<(string Key, string Title)> Plotted =
    [
        (OneHot, "one-hot loss (L_oh)"), (InformationEntropy, "information-entropy loss (L_ie)"),
        (Activation, "activation loss (L_a)"), (Kd, "KD loss (student)"), (CrossEntropy, "cross-entropy (teacher training)"),
    ];
}
