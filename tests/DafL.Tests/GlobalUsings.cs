global using NUnit.Framework;
global using DafL;
