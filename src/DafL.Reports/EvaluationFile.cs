using System.Text.Json;
using DafL.Data;
using DafL.Errors;
using DafL.IO;
using DafL.Models;
using DafL.Training;

namespace DafL.Reports;

/// <summary>
/// <c>evaluation.json</c> of a distillation run folder: what the run scores at its end on the test set for its
/// report — the teacher's accuracy and the best student's confusion matrix (its per-class accuracy). Written once
/// the checkpoints are, by the command that ran the distillation (a report reads files and never evaluates).
/// </summary>
public static class EvaluationFile
{
    public const string Name = "evaluation.json";
    const string BestStudentFile = "student-best.safetensors";

    /// <summary>
    /// Scores <paramref name="teacher"/> (the file <paramref name="teacherPath"/> holds) and the run's best student
    /// (when an epoch was scored) on <paramref name="test"/>, on the teacher's device, and writes the file.
    /// </summary>
    public static void Write(string runDir, string teacherPath, Classifier teacher, IImageDataset test, int bestEpoch)
    {
        var teacherScore = Evaluator.Evaluate(teacher, test);
        object? best = null;
        if (bestEpoch > 0)
        {
            using var student = ModelCatalog.Load(Path.Combine(runDir, BestStudentFile)).Model;
            student.To(teacher.Device);
            var score = Evaluator.Evaluate(student, test);
            best = new
            {
                file = BestStudentFile, epoch = bestEpoch, accuracy = score.Accuracy, loss = score.Loss,
                confusion = Enumerable.Range(0, score.ClassCount).Select(r => Enumerable.Range(0, score.ClassCount).Select(c => score.Confusion[r, c])),
            };
        }
        var record = new { teacher = teacherPath, teacher_accuracy = teacherScore.Accuracy, dataset = test.Name, best_student = best };
        AtomicFile.WriteAllText(Path.Combine(runDir, Name), JsonSerializer.Serialize(record, new JsonSerializerOptions { WriteIndented = true }));
    }

    /// <summary>The file of <paramref name="runDir"/>, read back: teacher path and accuracy, the best student's scores (if any).</summary>
    public static (string TeacherPath, double TeacherAccuracy, ClassScores? BestStudent) Read(string path, int classes)
    {
        long length = InputFile.Check(path, "run evaluation");
        if (length > JsonLinesFile.MaxBytes) throw new InputException(path, "", $"a run evaluation of at most {JsonLinesFile.MaxBytes} bytes", $"{length} bytes");
        var record = JsonRecord.Parse(File.ReadAllText(path), path);
        string teacherPath = record.String("teacher");
        double teacherAccuracy = record.Number("teacher_accuracy");
        ClassScores? best = null;
        if (record.Has("best_student"))
        {
            var b = record.Object("best_student");
            best = new ClassScores(b.Int("epoch"), new Evaluation(b.Number("accuracy"), b.Number("loss"), b.SquareCounts("confusion", classes)));
        }
        return (teacherPath, teacherAccuracy, best);
    }
}
