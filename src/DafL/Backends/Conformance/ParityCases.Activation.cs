namespace DafL.Backends.Conformance;

public static partial class ParityCases
{
    /// <summary>ReLU / leaky ReLU (the generator's slope 0.2), tanh (its last layer) and sigmoid, with their backward kernels.</summary>
    static IEnumerable<ParityCase> Activation(ParitySizes z)
    {
        int[] block = [z.Batch, z.Width / 2, z.Image, z.Image]; // (B, W/2, 32, 32): the generator's last conv block
        foreach (float slope in new[] { 0f, 0.2f })
        {
            string name = slope == 0 ? "ReLU" : $"leaky, slope {slope}";
            yield return new("LeakyRelu", name, S(block), ParityTolerance.Exact, r =>
            {
                var x = r.Normal(block);
                var y = r.Output(block);
                r.B.LeakyRelu(x, y, slope);
                r.Read("y", y);
            });
            yield return new("LeakyReluBackward", name, S(block), ParityTolerance.Exact, r =>
            {
                var x = r.Normal(block);
                var gy = r.Normal(block);
                var gx = r.Output(block);
                r.B.LeakyReluBackward(x, gy, gx, slope);
                r.Read("gx", gx);
            });
        }
        int[] image = [z.Batch, 1, z.Image, z.Image];           // (B, 1, 32, 32): the generated images
        yield return new("Tanh", "generator output", S(image), ParityTolerance.Elementwise, r =>
        {
            var x = r.Uniform(-4, 4, image);
            var y = r.Output(image);
            r.B.Tanh(x, y);
            r.Read("y", y);
        });
        yield return new("TanhBackward", "from y", S(image), ParityTolerance.Elementwise, r =>
        {
            var y = r.Uniform(-1, 1, image);
            var gy = r.Normal(image);
            var gx = r.Output(image);
            r.B.TanhBackward(y, gy, gx);
            r.Read("gx", gx);
        });
        yield return new("Sigmoid", "both tails", S(image), ParityTolerance.Elementwise, r =>
        {
            var x = r.Uniform(-20, 20, image);
            var y = r.Output(image);
            r.B.Sigmoid(x, y);
            r.Read("y", y);
        });
        yield return new("SigmoidBackward", "from y", S(image), ParityTolerance.Elementwise, r =>
        {
            var y = r.Uniform(0, 1, image);
            var gy = r.Normal(image);
            var gx = r.Output(image);
            r.B.SigmoidBackward(y, gy, gx);
            r.Read("gx", gx);
        });
    }
}
