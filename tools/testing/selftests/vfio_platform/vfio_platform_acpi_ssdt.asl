// SPDX-License-Identifier: GPL-2.0
/*
 * SSDT of vfio_platform_acpi_test: two platform devices described by ACPI,
 * for vfio-platform's last reset source, the _RST method of the device's ACPI
 * companion. The test loads it through ACPI configfs; the ACPI core then
 * creates the platform devices VFPS0001:00 and VFPS0002:00.
 *
 * Each device decodes one page of the memory the test VM keeps out of System
 * RAM with memmap=64M$0x60000000: the last two pages, which the simulator's
 * first-fit allocator, sharing that window, reaches only when it is full.
 *
 * VPR0's page, as the test reads it through region 0 of the VFIO device:
 *   0x00..0x0c  PAT0..PAT3: _RST writes 0x52535430 + n into word n
 *   0x10        RCNT: _RST adds one each time it succeeds
 *   0x14        FAIL: while it is not zero, _RST takes one off and fails
 * The rest of the page is memory _RST leaves alone.
 *
 * The test repeats these numbers: change both together.
 */
DefinitionBlock ("", "SSDT", 2, "VFIOPL", "VPACPIRS", 1)
{
	Scope (\_SB)
	{
		Device (VPR0)
		{
			Name (_HID, "VFPS0001")
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0x63FFE000, 0x00001000)
			})

			OperationRegion (REGS, SystemMemory, 0x63FFE000, 0x18)
			Field (REGS, DWordAcc, NoLock, Preserve)
			{
				PAT0, 32,
				PAT1, 32,
				PAT2, 32,
				PAT3, 32,
				RCNT, 32,
				FAIL, 32
			}

			Method (_RST, 0, Serialized)
			{
				If (FAIL)
				{
					FAIL--
					/* Aborts the method: its caller gets AE_ERROR. */
					Fatal (0x01, 0x56505230, FAIL)
				}
				PAT0 = 0x52535430
				PAT1 = 0x52535431
				PAT2 = 0x52535432
				PAT3 = 0x52535433
				RCNT++
			}
		}

		/* The same, minus _RST: no way at all to reset it. */
		Device (VPR1)
		{
			Name (_HID, "VFPS0002")
			Name (_CRS, ResourceTemplate ()
			{
				Memory32Fixed (ReadWrite, 0x63FFF000, 0x00001000)
			})
		}
	}
}
